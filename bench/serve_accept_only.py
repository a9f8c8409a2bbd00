"""Diagnostic only: the `serve --demo` gateway with the delivery engine switched off, on SQLite.

`kakao-gateway serve` refuses `--no-engine` on SQLite (nothing else could deliver the rows), which is right for
production. For benchmarking it is useful to see the HTTP accept path alone, so this script builds the same
Gateway and uvicorn server as the CLI with `engine=False`. Accepted rows stay queued.

    KAKAO_GATEWAY_API_KEY=KEY python bench/serve_accept_only.py --database-url sqlite:////tmp/x.db --port 8123
"""

from __future__ import annotations

import argparse
import os

import uvicorn

from kakao_gateway.app import Gateway, create_app
from kakao_gateway.cli import DEMO_SENDER, DEMO_TEMPLATE
from kakao_gateway.config import Settings
from kakao_gateway.store.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8123)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    settings = Settings(
        host=args.host,
        port=args.port,
        database_url=args.database_url,
        api_key=os.environ.get("KAKAO_GATEWAY_API_KEY"),
        demo=True,
        engine=False,
        log_level=args.log_level,
        senders=[{"sender": DEMO_SENDER, "name": "Demo channel"}],
        alim_templates=[DEMO_TEMPLATE],
    )
    upgrade(settings.database_url)
    app = create_app(Gateway(settings))
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level, lifespan="on")


if __name__ == "__main__":
    main()
