"""The clinical core: pure, typed functions over numbers; no Django import."""
