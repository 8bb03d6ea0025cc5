"""The cost model behind `make cost` (bench/cost.py).

Pure calculation (prices x quantities, free tier, DynamoDB units, Lambda billing) lives in
`prices`, `units` and `bill`, with unit tests in tests/unit/test_cost_model.py; `meter`,
`lambdas` and `month` drive Penny's real handlers on the embedded AWS and count what
they do; `idle` reads the template for anything billed by the hour; `report` prints.
"""
