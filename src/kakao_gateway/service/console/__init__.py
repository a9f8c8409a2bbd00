"""The web console's use cases: what its pages do (actions), the catalogue and settings pages, the dashboard, a
message's timeline, the sandbox phone, and sign-in sessions."""
