"""The implementations of the components of package library.catalog: yours to edit."""
