"""The DynamoDB tables of template.yaml, created on moto for the adapter tests."""

from __future__ import annotations

LEDGER, CLAIMS = "mlops-dev-ledger", "mlops-dev-idempotency"


def create_tables(client: object) -> None:
    """The two tables as template.yaml declares them (docs/wiring.md)."""
    client.create_table(  # type: ignore[attr-defined]
        TableName=LEDGER,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.create_table(  # type: ignore[attr-defined]
        TableName=CLAIMS,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
