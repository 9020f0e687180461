"""make bench's Python baseline: the relayed POST /v1/embeddings as a
FastAPI + httpx relay would serve it (relay key checked, allowlisted
headers forwarded with the operator's key, the answer and its allowlisted
headers passed back), run by bench_main.c as

  python3 -m uvicorn fastapi_relay:app --app-dir tests/bench --workers 2 ...

with BENCH_UPSTREAM, BENCH_RELAY_KEY and BENCH_OPENAI_KEY in the
environment.  Debian's python3-fastapi, python3-httpx, python3-uvicorn,
and python3-httptools and python3-uvloop, which uvicorn takes when they
are there, as deployments do (uvicorn[standard]): without them it served
111 requests/s here instead of about 770.
"""
import os

import httpx
from fastapi import FastAPI, Request, Response

UPSTREAM = os.environ["BENCH_UPSTREAM"]
RELAY_AUTH = "Bearer " + os.environ["BENCH_RELAY_KEY"]
OPENAI_AUTH = "Bearer " + os.environ["BENCH_OPENAI_KEY"]
# The relay's own allowlists (policy/headers.c).
FORWARD = ("content-type", "accept", "openai-beta", "idempotency-key")
BACK = ("content-type", "openai-processing-ms", "openai-version",
        "retry-after", "x-request-id")
ERROR = b'{"error":{"message":"Invalid relay key","type":"relay_error"}}'

app = FastAPI()
client = httpx.AsyncClient(base_url=UPSTREAM, timeout=60)


@app.post("/v1/embeddings")
async def embeddings(request: Request) -> Response:
    if request.headers.get("authorization") != RELAY_AUTH:
        return Response(ERROR, 401, media_type="application/json")
    headers = {k: v for k, v in request.headers.items() if k in FORWARD}
    headers["authorization"] = OPENAI_AUTH
    answer = await client.post("/v1/embeddings",
                               content=await request.body(), headers=headers)
    return Response(answer.content, answer.status_code,
                    headers={k: v for k, v in answer.headers.items()
                             if k in BACK})
