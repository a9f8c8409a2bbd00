"""Kakao Sangdam use cases: the business's sessions and sends (sessions), and the sandbox's simulated users
(sandbox)."""
