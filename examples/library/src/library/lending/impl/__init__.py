"""The implementations of the components of package library.lending: yours to edit."""
