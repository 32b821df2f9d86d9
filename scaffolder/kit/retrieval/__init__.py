"""Retrieval on Chroma that works offline: loaders and chunkers, embedders, the vector store
(embedded or a server), incremental ingestion, hybrid dense + BM25 search with citations."""
