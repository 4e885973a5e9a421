"""Pure-Python twins of the compiled kernels. Import them through ``l0._backend`` only."""
