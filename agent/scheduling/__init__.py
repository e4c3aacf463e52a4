"""Scheduling: working hours, overlap over every occurrence, cadence. Pure: "now" is an argument."""
