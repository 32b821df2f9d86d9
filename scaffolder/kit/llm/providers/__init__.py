"""Model providers behind one interface: the offline stand-in and the openai SDK family."""
