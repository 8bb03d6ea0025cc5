"""app.py's HTTP routes as Chalice blueprints, one module a group of routes.

app.py registers them in the order the API document lists them; what a blueprint cannot
carry (the Function URL front door, middleware, the WebSocket, stream and worker
functions, whose Lambda handlers are named `app.<function>`) stays there.
"""
