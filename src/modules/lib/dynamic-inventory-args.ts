/** The variables a host add_host makes is reached through (run/dynamic-inventory.ts maps them, modules/add_host.ts checks them). */
import type { ConnectionSettings } from '../../load/model.js';

/** Connection settings from a new host's Ansible variables (the names nodemend honours). */
export const CONNECTION_VARS: Record<string, keyof ConnectionSettings> = {
  ansible_host: 'host',
  ansible_ssh_host: 'host',
  ansible_port: 'port',
  ansible_ssh_port: 'port',
  ansible_user: 'user',
  ansible_ssh_user: 'user',
  ansible_ssh_private_key_file: 'identity_file',
  ansible_private_key_file: 'identity_file',
  ansible_password: 'password',
  ansible_ssh_pass: 'password',
  ansible_ssh_password: 'password',
  ansible_connection: 'local',
};
