"""Test doubles that run the real interfaces: scripted chat models and a fake Gemini server."""
