"""French documents: machine-readable zones (MRZ) and 2D-Doc barcodes, read, checked and used as evidence."""
