"""The project pool: suggestions, projects, and the recorded screening rounds."""
