"""The implementations of the components of package library.members: yours to edit."""
