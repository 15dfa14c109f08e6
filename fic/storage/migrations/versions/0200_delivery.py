"""delivery: settings, acknowledgements, webhooks, the delivery ledger, reminders

Revision ID: 0200_delivery
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa


revision = "0200_delivery"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clinic_delivery_settings',
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('link_lifetime_hours', sa.Integer(), nullable=False),
    sa.Column('reminder_after_hours', sa.Integer(), nullable=True),
    sa.Column('quiet_start', sa.String(length=5), nullable=True),
    sa.Column('quiet_end', sa.String(length=5), nullable=True),
    sa.Column('routing', sa.JSON(), nullable=False),
    sa.Column('on_call_email', sa.String(length=254), nullable=True),
    sa.Column('watch_digest', sa.Boolean(), nullable=False),
    sa.Column('digest_hour', sa.Integer(), nullable=False),
    sa.Column('escalate_rupture_minutes', sa.Integer(), nullable=False),
    sa.Column('escalate_urgent_minutes', sa.Integer(), nullable=False),
    sa.Column('crisis_text', sa.JSON(), nullable=False),
    sa.Column('link_wording', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_clinic_delivery_settings_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('clinic_id', name=op.f('pk_clinic_delivery_settings'))
    )
    op.create_table('delivery',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_delivery_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery')),
    sa.UniqueConstraint('key', name=op.f('uq_delivery_key'))
    )
    op.create_index(op.f('ix_delivery_clinic_id'), 'delivery', ['clinic_id'], unique=False)
    op.create_index(op.f('ix_delivery_next_attempt_at'), 'delivery', ['next_attempt_at'], unique=False)
    op.create_index(op.f('ix_delivery_status'), 'delivery', ['status'], unique=False)
    op.create_index(op.f('ix_delivery_subject_id'), 'delivery', ['subject_id'], unique=False)
    op.create_table('webhook_endpoint',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('clinic_id', sa.Uuid(), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('secret_ct', sa.LargeBinary(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], name=op.f('fk_webhook_endpoint_clinic_id_clinic')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_endpoint'))
    )
    op.create_index(op.f('ix_webhook_endpoint_clinic_id'), 'webhook_endpoint', ['clinic_id'], unique=False)
    op.create_table('delivery_attempt',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('delivery_id', sa.Uuid(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ok', sa.Boolean(), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], name=op.f('fk_delivery_attempt_delivery_id_delivery')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_attempt'))
    )
    op.create_index(op.f('ix_delivery_attempt_delivery_id'), 'delivery_attempt', ['delivery_id'], unique=False)
    op.create_table('link_reminder',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_session.id'], name=op.f('fk_link_reminder_session_id_therapy_session')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_link_reminder'))
    )
    op.create_index(op.f('ix_link_reminder_due_at'), 'link_reminder', ['due_at'], unique=False)
    op.create_table('room_code',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_session.id'], name=op.f('fk_room_code_session_id_therapy_session')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_room_code')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_room_code_code_hash'))
    )
    op.create_index(op.f('ix_room_code_session_id'), 'room_code', ['session_id'], unique=False)
    op.create_table('session_phone',
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('phone_ct', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['therapy_session.id'], name=op.f('fk_session_phone_session_id_therapy_session')),
    sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_phone'))
    )
    op.create_table('acknowledgement',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('staff_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('note_ct', sa.LargeBinary(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds_to_ack', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_acknowledgement_alert_id_alert')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_acknowledgement_staff_id_staff')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_acknowledgement')),
    sa.UniqueConstraint('alert_id', name=op.f('uq_acknowledgement_alert_id'))
    )
    op.create_index(op.f('ix_acknowledgement_staff_id'), 'acknowledgement', ['staff_id'], unique=False)
    op.create_table('alert_escalation',
    sa.Column('alert_id', sa.Uuid(), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['alert_id'], ['alert.id'], name=op.f('fk_alert_escalation_alert_id_alert')),
    sa.PrimaryKeyConstraint('alert_id', name=op.f('pk_alert_escalation'))
    )


def downgrade() -> None:
    op.drop_table('alert_escalation')
    op.drop_index(op.f('ix_acknowledgement_staff_id'), table_name='acknowledgement')
    op.drop_table('acknowledgement')
    op.drop_table('session_phone')
    op.drop_index(op.f('ix_room_code_session_id'), table_name='room_code')
    op.drop_table('room_code')
    op.drop_index(op.f('ix_link_reminder_due_at'), table_name='link_reminder')
    op.drop_table('link_reminder')
    op.drop_index(op.f('ix_delivery_attempt_delivery_id'), table_name='delivery_attempt')
    op.drop_table('delivery_attempt')
    op.drop_index(op.f('ix_webhook_endpoint_clinic_id'), table_name='webhook_endpoint')
    op.drop_table('webhook_endpoint')
    op.drop_index(op.f('ix_delivery_subject_id'), table_name='delivery')
    op.drop_index(op.f('ix_delivery_status'), table_name='delivery')
    op.drop_index(op.f('ix_delivery_next_attempt_at'), table_name='delivery')
    op.drop_index(op.f('ix_delivery_clinic_id'), table_name='delivery')
    op.drop_table('delivery')
    op.drop_table('clinic_delivery_settings')
