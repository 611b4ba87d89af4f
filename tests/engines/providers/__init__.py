"""Engine providers for the shared engine contract test (tests/engines/test_contract.py).

Each provider module exposes `chat_engine()` and `base_engine()` returning a loaded Engine
(or calling pytest.skip when its prerequisites are missing and CI does not demand them), and
`CHAT_MODEL` / `BASE_MODEL` naming what it loaded. Every engine must pass the same body.
"""
