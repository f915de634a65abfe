"""Batch evaluation at scale (issue 13): episodes as partitioned Parquet, evaluated on Dask.

Pure core: no Django. ``parquet`` writes an :class:`~attune.engine.batch.EpisodeBatch` as one
Parquet file per N episodes and reads a partition back exactly; ``network`` counts the NHS
Talking Therapies practice outcomes of a partition per practice (counts add up exactly across
partitions; percentages come only from the summed counts); ``cluster`` runs both on a Dask
cluster — a ``LocalCluster`` by default, a real scheduler by address. Dask and pyarrow are the
optional ``batch`` extra: importing :mod:`attune.batch` itself needs neither.
"""
