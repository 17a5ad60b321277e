//! Property tests: mutated deliveries never panic the parser (issue 4; being written).
