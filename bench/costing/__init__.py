"""The cost model behind `make cost` (bench/cost.py).

Pure calculation (prices x quantities, free tier, DynamoDB units, Lambda billing) lives in
`prices`, `units` and `bill`, with unit tests in tests/unit/test_cost_model.py; `meter`,
`lambdas`, `harness` (the embedded stack; its drivers `function_url`, `websocket_routes`,
`event_sources`, with `counting_sender`, `stored_items`, `vendor_calls`, `sim_clock`,
`metering_switch`, `stack_names`), `month` (the month's timeline; its parts
`month_bookings`, `booking_views`, `calendar_pushes`, `bot_visits`, `dashboard_visits`,
`dashboard_session`, `host_set_up`, `page_requests`, `sample_host`), `paid` (paid
bookings, also bench/payments.py's) and `holds` (the hold timers' EventBridge Scheduler)
drive Penny's real handlers on the embedded AWS and count what they do; `paid_figures`
prices what paid bookings add; `briefs` keeps each Gemini answer's token counts and
prices the premium bookings' briefs, a vendor's bill printed apart from AWS's (also
bench/notes.py's); `deployment` reads what the template configures, and
`infra.idle.idle_costs` finds anything in it billed while idle; `report` prints.
"""
