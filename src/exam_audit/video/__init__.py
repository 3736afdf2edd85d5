"""Recordings: probing, timelines and coverage, frame sampling, content and presence."""
