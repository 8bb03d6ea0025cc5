"""Where the cost model's embedded stack lives: its region, its table, its resources'
prefix, and Penny's public URL."""

REGION = "us-east-1"
TABLE = "penny-cost"
PREFIX = "penny-cost"
# Penny's public URL, where the sandbox sends push notifications and webhooks: a closed
# loopback port, so each is refused at once and recorded; the month hands them to Penny.
PUBLIC_URL = "http://127.0.0.1:9"
