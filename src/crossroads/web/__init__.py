"""HTTP and WebSocket edge: parse input, call one use case, render."""
