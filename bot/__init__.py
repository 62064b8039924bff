"""Wegweiser: the multilingual assistant of the Kommunale Integrationszentren."""

import os

# The embedding model runs its own OpenMP threads on the two cores; numpy's BLAS threads spinning
# after each small matrix product stole them (a question took 53 ms instead of 20). One BLAS
# thread is plenty for (phrasings x 384) @ (384,). Set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
