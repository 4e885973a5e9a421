"""Compiled (Cython) kernels. Import them through ``l0._backend`` only."""
