"""The client portal suite: one package per service, plus `common` building blocks."""
