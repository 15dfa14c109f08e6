"""The clinical science of fic. Pure: standard library only, plain values in and out."""
