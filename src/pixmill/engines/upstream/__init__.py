"""Gateway mode: OpenAI and Segmind as upstream engines behind pixmill's keys and credits.

options.py    per-model options (base URL, the operator's key, timeouts, retries)
transport.py  the shared httpx client: timeouts, retries honouring Retry-After
errors.py     an upstream's error answers, translated into pixmill's errors
images.py     the upstream's image bytes, checked and opened lazily
engine.py     what both share: capabilities, refusals, concurrent calls
openai.py     POST {base_url}/images/generations
segmind.py    POST {base_url}/{model}
"""

from pixmill.engines.upstream.engine import UpstreamEngine
from pixmill.engines.upstream.openai import OpenAIEngine
from pixmill.engines.upstream.segmind import SegmindEngine

__all__ = ["OpenAIEngine", "SegmindEngine", "UpstreamEngine"]
