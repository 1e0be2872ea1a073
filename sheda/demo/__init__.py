"""``sheda seed-demo``: demo accounts, listings, photos, favourites and leads, so a frontend
starts from a populated server in one command."""
