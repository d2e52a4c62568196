"""Endpoints on moto with the project's extensions, driven in virtual time by the emulator."""
