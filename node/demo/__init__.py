"""`skiller demo`: a living bilingual community for a newcomer to explore."""
