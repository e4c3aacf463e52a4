"""mentor-agent: runs distance-mentoring programs by email."""

__version__ = "0.1.0"
