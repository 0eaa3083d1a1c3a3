"""Implementations of package ftgo.kitchen's components: yours to edit."""
