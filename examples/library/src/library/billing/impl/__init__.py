"""The implementations of the components of package library.billing: yours to edit."""
