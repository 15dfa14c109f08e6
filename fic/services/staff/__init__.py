"""Staff: sign-in, single-use staff links, and what the staff pages show."""
