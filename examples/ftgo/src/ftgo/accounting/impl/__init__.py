"""Implementations of package ftgo.accounting's components: yours to edit."""
