"""Privacy: erasing a learner, exports, /privacy and /deleteme in the chat."""
