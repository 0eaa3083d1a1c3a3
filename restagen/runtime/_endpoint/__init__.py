"""The endpoint: binding, injection, middleware, headers, configuration, registration (private)."""
