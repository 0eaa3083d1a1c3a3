"""Implementations of package ftgo.orders's components: yours to edit."""
