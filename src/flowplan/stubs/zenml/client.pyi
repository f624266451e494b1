from flowplan.client import Client as Client
