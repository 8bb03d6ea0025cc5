"""In-memory fakes of Penny's ports that any test tier may import."""
