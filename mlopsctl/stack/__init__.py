"""``make deploy`` and ``make destroy``: a stack of this project on AWS, from ``samconfig.toml``'s environments.

- :mod:`.environments` reads ``samconfig.toml`` (stack name and Region of ``dev``, ``staging``, ``prod``);
- :mod:`.code` uploads the step code, content-addressed, where the pipeline definition names it;
- :mod:`.deploy` runs ``sam build`` and ``sam deploy --config-env ENV``, uploads the code, prints the outputs;
- :mod:`.inventory` and :mod:`.destroy` find what the system created at run time and delete it, then the stack.

Run as ``python -m mlopsctl.stack deploy --env dev`` (what ``make deploy ENV=dev`` runs).
"""
