"""Reporters: they print findings; they never judge or parse."""
