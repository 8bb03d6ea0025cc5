"""The HTML edge: pages and static assets served by the app itself (no CDN, no build step).

`pages.py` renders templates into responses with Penny's security headers; `assets.py`
serves the hand-written CSS/JS under content-hashed URLs. Nothing here is imported
when app.py loads: each page route imports it inside its view (cold start budget).
"""
