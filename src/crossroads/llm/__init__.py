"""The LLM adapter (#28): an OpenAI-compatible chat client, injected into the harvest.

``harvest/`` is pure: it words the question to an LLM and reads its answer
(``harvest.summaries.ChatSummariser``), and this package does the HTTP. A composition root
builds ``llm_summariser(url, model=...)`` and hands it to ``harvest(..., summariser=...)``.
"""

from crossroads.llm.openai_chat import OpenAiChat, llm_summariser

__all__ = ["OpenAiChat", "llm_summariser"]
