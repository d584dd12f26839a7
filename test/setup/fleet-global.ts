// Placeholder until the fleet tool lands: fleet tests bring up their own hosts.
export default async function setup(): Promise<void> {}
