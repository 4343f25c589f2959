enable_lifecycle = true
