"""Gunicorn settings for serving Waybill, read by gunicorn from the directory it starts in (see README).

Only what every deployment wants lives here; workers, threads and the address stay on the command line.
"""
import gc


def post_worker_init(worker):
    """The app is loaded: leave the objects it was built from out of every garbage collection from now on.

    They live as long as the worker (routes, schemas, tables, compiled statements: about 200,000 objects),
    yet each full collection would walk all of them again, holding the GIL for a couple of hundred
    milliseconds while every request in flight waits. gc.freeze() moves them to a generation no collection
    visits; what requests allocate is collected as before.
    """
    gc.freeze()
