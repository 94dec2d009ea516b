from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self):
        # In ready(): the models these modules import are loaded only now.
        from connectors import agents
        from contacts.matching import agent_links

        agents.register_source(agent_links)  # connectors (a lower layer) ask through this seam
