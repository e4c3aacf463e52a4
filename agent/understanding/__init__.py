"""Understanding mail: bytes in, values out. No I/O, no clock."""
