"""The state store: the only part of the product that touches the state database."""
