"""Implementations of package ftgo.consumers's components: yours to edit."""
